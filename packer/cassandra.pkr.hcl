# Cassandra image: Apache Cassandra (cassandra-all and dependencies) jars from Maven Central,
# installed by the same install-cassandra.sh the local twin runs, plus the terratower-cassandra unit.
# User data writes /etc/terratower/cassandra.env and enables terratower-cassandra.service.
build {
  name = "cassandra"

  source "source.amazon-ebs.base" {
    name            = "cassandra"
    ami_name        = "terratower-cassandra-${var.versions["CASSANDRA_VERSION"]}-${local.stamp}"
    ami_description = "terratower Cassandra ${var.versions["CASSANDRA_VERSION"]} from packer/ at ${var.git_revision}"
    tags = merge(local.common_tags, {
      "terratower:role"              = "cassandra"
      "terratower:cassandra-version" = var.versions["CASSANDRA_VERSION"]
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
      "sudo bash ${local.upload_dir}/packer/scripts/install-cassandra.sh --prefix ${var.install_prefix}/cassandra",
      "sudo bash ${local.upload_dir}/packer/scripts/install-systemd-units.sh --prefix ${var.install_prefix}/cassandra --role cassandra",
      "sudo bash -c '. ${local.upload_dir}/packer/versions.env && python3 -m venv ${var.install_prefix}/cqlsh && ${var.install_prefix}/cqlsh/bin/pip install --no-cache-dir cqlsh==$CQLSH_VERSION'",
      "sudo bash ${local.upload_dir}/packer/scripts/cleanup-image.sh --prefix ${var.install_prefix}",
    ]
  }

  post-processor "manifest" {
    output     = local.manifest_path
    strip_path = true
    custom_data = {
      role         = "cassandra"
      region       = var.region
      git_revision = var.git_revision
      version      = var.versions["CASSANDRA_VERSION"]
    }
  }
}
