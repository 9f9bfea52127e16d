# App image: Node.js 20 and the producer + consumer app bundles (dist/bundle) in one image. Both units are
# installed, neither is enabled: user data writes /etc/terratower/<role>.env (the variables of
# apps/shared/config.ts) and enables terratower-producer.service or terratower-consumer.service.
build {
  name = "app"

  source "source.amazon-ebs.base" {
    name            = "app"
    ami_name        = "terratower-app-${local.stamp}"
    ami_description = "terratower producer + consumer apps (Node ${lookup(var.versions, "NODE_VERSION", "unpinned")}) from packer/ at ${var.git_revision}"
    tags = merge(local.common_tags, {
      "terratower:role"         = "app"
      "terratower:node-version" = lookup(var.versions, "NODE_VERSION", "unpinned")
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

  # The app bundles `npm run build` writes (dist/bundle: producer.mjs, consumer.mjs and the
  # package.json pinning the packages they leave external).
  provisioner "file" {
    source      = "${path.root}/../dist/bundle"
    destination = local.upload_dir
  }

  provisioner "shell" {
    inline = [
      "sudo bash ${local.upload_dir}/packer/scripts/install-base.sh --prefix ${var.install_prefix}",
      "sudo bash ${local.upload_dir}/packer/scripts/install-node-app.sh --prefix ${var.install_prefix}/app --source ${local.upload_dir}/bundle",
      "sudo bash ${local.upload_dir}/packer/scripts/install-systemd-units.sh --prefix ${var.install_prefix}/app --role app",
      "sudo bash ${local.upload_dir}/packer/scripts/cleanup-image.sh --prefix ${var.install_prefix}",
    ]
  }

  post-processor "manifest" {
    output     = local.manifest_path
    strip_path = true
    custom_data = {
      role         = "app"
      region       = var.region
      git_revision = var.git_revision
      version      = lookup(var.versions, "NODE_VERSION", "unpinned")
    }
  }
}
