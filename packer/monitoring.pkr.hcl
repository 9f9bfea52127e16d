# Monitoring image: Prometheus (Debian/Ubuntu package) and Grafana (apt.grafana.com, pinned) on
# the build machine. User data writes /etc/terratower/monitoring.env plus the Prometheus config
# and dashboards generated from the spec (src/monitoring), and enables
# terratower-monitoring.service.
build {
  name = "monitoring"

  source "source.amazon-ebs.base" {
    name            = "monitoring"
    ami_name        = "terratower-monitoring-${local.stamp}"
    ami_description = "terratower Prometheus + Grafana ${lookup(var.versions, "GRAFANA_VERSION", "unpinned")} from packer/ at ${var.git_revision}"
    tags = merge(local.common_tags, {
      "terratower:role"            = "monitoring"
      "terratower:grafana-version" = lookup(var.versions, "GRAFANA_VERSION", "unpinned")
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
      "sudo bash ${local.upload_dir}/packer/scripts/install-base.sh --prefix ${var.install_prefix}",
      "sudo bash ${local.upload_dir}/packer/scripts/install-monitoring.sh --prefix ${var.install_prefix}/monitoring",
      "sudo bash ${local.upload_dir}/packer/scripts/install-systemd-units.sh --prefix ${var.install_prefix}/monitoring --role monitoring",
      "sudo bash ${local.upload_dir}/packer/scripts/cleanup-image.sh --prefix ${var.install_prefix}",
    ]
  }

  post-processor "manifest" {
    output     = "${path.root}/manifest.json"
    strip_path = true
    custom_data = {
      role         = "monitoring"
      region       = var.region
      git_revision = var.git_revision
      version      = lookup(var.versions, "GRAFANA_VERSION", "unpinned")
    }
  }
}
