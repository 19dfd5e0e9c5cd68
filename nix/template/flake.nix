{
  description = "A uv project built with nixpkgs through a lock2nix overlay";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    lock2nix.url = "github:lock2nix/lock2nix";
    lock2nix.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs =
    {
      self,
      nixpkgs,
      lock2nix,
    }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      # The root package's name in uv.lock (the [project] name of pyproject.toml), and the private
      # interpreter the overlay adds (lock2nix's default: <camelCase name>Python; `scope` in
      # lock2nix.toml chooses another).
      project = "my-project";
      scope = "myProjectPython";
      withOverlay = pkgs: pkgs.extend self.overlays.default;
      envs = pkgs: (withOverlay pkgs).${scope}.envs;
    in
    {
      # Written by `nix run .#lock`; commit it.
      overlays.default = import ./nix/python-overlay.nix;

      packages = forAllSystems (pkgs: {
        # the overlay exposes each root at the top level
        default = (withOverlay pkgs).${project};
        # the project with its runtime closure, like `uv sync --no-dev`
        env = (envs pkgs).default;
      });

      # `nix develop`: the project's dependencies and its `dev` group (like `uv sync`), with the
      # project itself imported from the working tree (REPO_ROOT; the directory of uv.lock).
      devShells = forAllSystems (pkgs: {
        default = lock2nix.lib.devShell pkgs (envs pkgs).dev-editable;
      });

      # `nix run .#<script>` for the project's console scripts; `nix run .#lock`: re-lock with uv,
      # prefetch what the lock lacks, regenerate the overlay.
      apps = forAllSystems (pkgs: lock2nix.lib.appsFor (envs pkgs).default // {
        lock = {
          type = "app";
          program = toString (
            pkgs.writeShellScript "lock" ''
              set -eu
              ${pkgs.uv}/bin/uv lock
              ${lock2nix.packages.${pkgs.stdenv.hostPlatform.system}.default}/bin/lock2nix prefetch
              ${lock2nix.packages.${pkgs.stdenv.hostPlatform.system}.default}/bin/lock2nix translate
            ''
          );
        };
      });

      # In CI: fail when the overlay is older than uv.lock or lock2nix.toml.
      checks = forAllSystems (pkgs: {
        overlay-up-to-date =
          pkgs.runCommand "overlay-up-to-date"
            { nativeBuildInputs = [ lock2nix.packages.${pkgs.stdenv.hostPlatform.system}.default ]; }
            ''
              cd ${self}
              lock2nix check
              touch $out
            '';
      });
    };
}
