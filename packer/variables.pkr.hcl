# Variables shared by every terratower image build (kafka, cassandra, app, monitoring).
# Packer loads every *.pkr.hcl file of this directory as one configuration; select builds with
# `packer build -only='kafka.*' packer/`. `terratower ami build` passes -var values for
# `versions` (packer/versions.env), `git_revision`, `run_tags` and `dashboards_dir`.
#
# NO `required_plugins` block: Packer 1.9.4 bundles the amazon plugin, and a required_plugins
# block makes validate/build fail offline with "Missing plugins".

variable "manifest_path" {
  type        = string
  description = "File the manifest post-processor appends the built images to (`terratower ami build` passes the user's project's packer/manifest.json); empty: packer/manifest.json beside the templates."
  default     = ""
}

locals {
  manifest_path = var.manifest_path != "" ? var.manifest_path : "${path.root}/manifest.json"
}

variable "region" {
  type        = string
  description = "AWS region the images are built in and registered to."
  default     = "eu-west-1"
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the temporary build instance."
  default     = "t3.large"
}

variable "base_image_owners" {
  type        = list(string)
  description = "Owners of the base image: Canonical (099720109477) for Ubuntu, 136693071363 for Debian."
  default     = ["099720109477"]
}

variable "base_image_name" {
  type        = string
  description = "Name filter of the base image. Debian 12: debian-12-amd64-* (with ssh_username admin, root_device_name /dev/xvda)."
  default     = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"
}

variable "ssh_username" {
  type        = string
  description = "Login user of the base image: ubuntu (Ubuntu), admin (Debian)."
  default     = "ubuntu"
}

variable "root_device_name" {
  type        = string
  description = "Root device of the base image: /dev/sda1 (Ubuntu), /dev/xvda (Debian)."
  default     = "/dev/sda1"
}

variable "root_volume_size_gib" {
  type        = number
  description = "Root volume size of the images, GiB (data lives on separate EBS volumes)."
  default     = 16
}

variable "versions" {
  type        = map(string)
  description = "Pinned versions: the KEY=VALUE lines of packer/versions.env, passed by the build runner. Used for tags and image names; the install scripts read the uploaded versions.env themselves."
}

variable "git_revision" {
  type        = string
  description = "Git revision of the packer/ directory the images are built from (commit, with -dirty when packer/ has uncommitted changes)."
}

variable "run_tags" {
  type        = map(string)
  description = "Extra tags of this build run (terratower:run-id, user tags). Project tags win on conflict."
  default     = {}
}

variable "dashboards_dir" {
  type        = string
  description = "Directory of Grafana dashboards (*.json) generated from the spec (src/monitoring), baked into the monitoring image. The build runner writes it under the cache dir."
}

variable "install_prefix" {
  type        = string
  description = "Root of terratower's installs on the image; each role installs into <install_prefix>/<role>."
  default     = "/opt/terratower"
}

locals {
  # One timestamp per run: every image of a run shares it.
  stamp = formatdate("YYYYMMDD-hhmmss", timestamp())

  # Where provisioners upload the repository's packer/ directory (scripts + versions.env).
  upload_dir = "/tmp/terratower"

  common_tags = merge(var.run_tags, {
    "terratower:project"      = "terratower"
    "terratower:git-revision" = var.git_revision
    "terratower:base-image"   = "{{ .SourceAMIName }}"
  })
}
