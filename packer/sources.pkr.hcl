# The one base source every image build starts from: the latest matching Ubuntu 24.04 (or
# Debian 12) image, IMDSv2 required on the build instance, encrypted root volume and image
# snapshots. Each build names it and sets ami_name/tags.
source "amazon-ebs" "base" {
  region        = var.region
  instance_type = var.instance_type
  ssh_username  = var.ssh_username

  source_ami_filter {
    filters = {
      name                = var.base_image_name
      architecture        = "x86_64"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = var.base_image_owners
    most_recent = true
  }

  # IMDSv2 only on the build instance. (The amazon-ebs builder of the amazon plugin 1.2.1 bundled
  # in Packer 1.9.4 has no `imds_support`; the launch templates require IMDSv2 at run time.)
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  encrypt_boot = true
  launch_block_device_mappings {
    device_name           = var.root_device_name
    volume_size           = var.root_volume_size_gib
    volume_type           = "gp3"
    encrypted             = true
    delete_on_termination = true
  }

  run_tags        = local.common_tags
  run_volume_tags = local.common_tags
  snapshot_tags   = local.common_tags
}
