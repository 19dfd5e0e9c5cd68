# lock2nix, built from this repository with the versions pinned in Cargo.lock.
{
  lib,
  rustPlatform,
}:
let
  root = ./..;
in
rustPlatform.buildRustPackage {
  pname = "lock2nix";
  version = (lib.importTOML (root + "/Cargo.toml")).workspace.package.version;

  # Only what the build reads: a change to docs, fixtures or examples does not rebuild lock2nix.
  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.unions [
      (root + "/Cargo.toml")
      (root + "/Cargo.lock")
      (root + "/crates")
      (root + "/nix/index.nix")
    ];
  };

  cargoLock.lockFile = root + "/Cargo.lock";
  cargoBuildFlags = [
    "--package"
    "lock2nix"
  ];
  # The test suite needs nix-instantiate, Python's packaging and the fixtures; it runs in CI (.ci/run).
  doCheck = false;

  meta = {
    description = "Translate a uv.lock into a static nixpkgs Python overlay that reuses nixpkgs";
    license = with lib.licenses; [
      mit
      asl20
    ];
    mainProgram = "lock2nix";
  };
}
