{
  description = "lock2nix: translate a uv.lock into a static nixpkgs Python overlay that reuses nixpkgs";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      # lock2nix itself, built from Cargo.lock.
      packages = forAllSystems (pkgs: {
        lock2nix = pkgs.callPackage ./nix/package.nix { };
        default = self.packages.${pkgs.stdenv.hostPlatform.system}.lock2nix;
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.lock2nix}/bin/lock2nix";
        };
      });

      # Adds `pkgs.lock2nix`.
      overlays.default = final: prev: { lock2nix = final.callPackage ./nix/package.nix { }; };

      # What the test suite and a release need: Rust, Nix, Python's packaging and uv, graphviz.
      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            pkgs.cargo
            pkgs.rustc
            pkgs.clippy
            pkgs.rustfmt
            pkgs.nix
            pkgs.graphviz
            pkgs.uv
            (pkgs.python3.withPackages (ps: [ ps.packaging ]))
          ];
        };
      });

      # `nix flake init -t github:lock2nix/lock2nix`: a uv project whose `nix run .#lock` regenerates its overlay.
      templates.default = {
        path = ./nix/template;
        description = "A uv project built with nixpkgs through a lock2nix overlay";
      };

      # Helpers for flakes that use generated overlays.
      lib = import ./nix/lib.nix;
    };
}
