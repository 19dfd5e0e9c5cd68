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
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      # The web UI (`web/dist`, `web/authentik`) is an npm build of the same release, outside the
      # Python lock; the backend serves it and the email templates use its assets, so it is
      # required. Compose an overlay that defines `authentik-webui` before this flake's overlays
      # (README.md says how nixpkgs builds it); until then, authentik-django stops with this message.
      requireWebui = final: prev: {
        authentik-webui =
          prev.authentik-webui or (throw ''
            authentik-django needs `authentik-webui`: the web UI built from the same authentik release
            (a derivation with `dist/` and `authentik/`, the output of `npm run build` in `web/`).
            Define it in an overlay applied before this flake's overlay, e.g. with buildNpmPackage as
            nixpkgs' `authentik.components.webui` does; see examples/authentik/README.md.
          '');
      };
      # A generated overlay (lock2nix translate), its in-tree packages built from the authentik
      # source input.
      withSource = file: (import file).override { workspaceRoot = "${authentik-src}"; };
    in
    {
      overlays = {
        # lock2nix.toml: the release's lock, like nixpkgs' hand-written package.
        default = lib.composeManyExtensions [
          requireWebui
          (withSource ./python-overlay.nix)
        ];
        # drf-fork/lock2nix.toml: the same with djangorestframework from authentik's fork.
        drf-fork = lib.composeManyExtensions [
          requireWebui
          (withSource ./drf-fork/python-overlay.nix)
        ];
      };

      packages = lib.genAttrs systems (
        system:
        let
          pkgs = overlay: import nixpkgs { inherit system; overlays = [ overlay ]; };
        in
        {
          inherit (pkgs self.overlays.default) authentik-django;
          default = self.packages.${system}.authentik-django;
          authentik-django-drf-fork = (pkgs self.overlays.drf-fork).authentik-django;
        }
      );

      # `nix develop` in a checkout of authentik (the release the overlay was generated for):
      # its `dev` dependency group and every runtime dependency, with authentik and its four
      # workspace packages imported from the checkout (set REPO_ROOT to it, or enter the shell
      # there), like `uv sync`. Nothing of the web UI is needed for the Python side.
      devShells = lib.genAttrs systems (
        system:
        let
          pkgs = import nixpkgs {
            inherit system;
            overlays = [ self.overlays.default ];
          };
          env = pkgs.authentikPython.envs.dev-editable;
        in
        {
          default = pkgs.mkShell {
            packages = [ env ];
            shellHook = ''
              if [ -z "''${REPO_ROOT:-}" ] && [ -f "$PWD/uv.lock" ]; then
                export REPO_ROOT="$PWD"
              fi
            ''
            + env.shellHook;
          };
        }
      );
    };
}
