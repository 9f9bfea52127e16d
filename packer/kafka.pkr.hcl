# Kafka image: Apache Kafka (KRaft, combined broker + controller) jars from Maven Central,
# installed by the same install-kafka.sh the local twin runs, plus the terratower-kafka unit.
# User data writes /etc/terratower/kafka.env and enables terratower-kafka.service.
build {
  name = "kafka"

  source "source.amazon-ebs.base" {
    name            = "kafka"
    ami_name        = "terratower-kafka-${var.versions["KAFKA_VERSION"]}-${local.stamp}"
    ami_description = "terratower Kafka ${var.versions["KAFKA_VERSION"]} (KRaft) from packer/ at ${var.git_revision}"
    tags = merge(local.common_tags, {
      "terratower:role"          = "kafka"
      "terratower:kafka-version" = var.versions["KAFKA_VERSION"]
    })
  }

  provisioner "shell" {
    inline = [
      "cloud-init status --wait || true",
      "mkdir -p ${local.upload_dir}/packer",
    ]
  }

  provisioner "file" {
    source      = "${path.root}/scripts"
    destination = "${local.upload_dir}/packer"
  }

  provisioner "file" {
    source      = "${path.root}/versions.env"
    destination = "${local.upload_dir}/packer/versions.env"
  }

  provisioner "shell" {
    inline = [
      "sudo bash ${local.upload_dir}/packer/scripts/install-base.sh --prefix ${var.install_prefix} --with-java --with-aws-cli",
      "sudo bash ${local.upload_dir}/packer/scripts/install-kafka.sh --prefix ${var.install_prefix}/kafka",
      "sudo bash ${local.upload_dir}/packer/scripts/install-systemd-units.sh --prefix ${var.install_prefix}/kafka --role kafka",
      "sudo bash ${local.upload_dir}/packer/scripts/cleanup-image.sh --prefix ${var.install_prefix}",
    ]
  }

  post-processor "manifest" {
    output     = local.manifest_path
    strip_path = true
    custom_data = {
      role         = "kafka"
      region       = var.region
      git_revision = var.git_revision
      version      = var.versions["KAFKA_VERSION"]
    }
  }
}
