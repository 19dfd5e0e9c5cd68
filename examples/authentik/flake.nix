{
  description = "authentik's Django backend (authentik-django), built from the release's uv.lock with lock2nix";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    # The authentik source tree of the release the overlay was generated for (its uv.lock is the
    # one lock2nix.toml points at). Bump it together with the overlay: see README.md.
    authentik-src = {
      url = "github:goauthentik/authentik/version/2026.2.0-rc1";
      flake = false;
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      authentik-src,
    }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems =
        f:
        nixpkgs.lib.genAttrs systems (
          system:
          f (
            import nixpkgs {
              inherit system;
              overlays = [ self.overlays.default ];
            }
          )
        );
    in
    {
      overlays.default = nixpkgs.lib.composeManyExtensions [
        # The web UI is an npm build outside the Python lock; nixpkgs' authentik package builds it
        # (its `webui` component). This stand-in takes prebuilt assets from the source tree when the
        # release ships them; replace it with a real build for production.
        (final: prev: {
          authentik-webui = final.stdenv.mkDerivation {
            name = "authentik-webui";
            src = authentik-src;
            dontBuild = true;
            installPhase = ''
              mkdir -p $out/dist $out/authentik
              if [ -d web/dist ]; then cp -r web/dist/. $out/dist/; fi
              if [ -d web/authentik ]; then cp -r web/authentik/. $out/authentik/; fi
            '';
          };
        })
        # The generated overlay (lock2nix translate --config lock2nix.toml), its in-tree packages
        # built from the authentik source input.
        ((import ./python-overlay.nix).override { workspaceRoot = "${authentik-src}"; })
      ];

      packages = forAllSystems (pkgs: {
        authentik-django = pkgs.authentik-django;
        default = pkgs.authentik-django;
      });
    };
}
