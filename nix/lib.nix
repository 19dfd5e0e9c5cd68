# Helpers for flakes that use lock2nix overlays.
{
  # The overlay in `path`, with its in-tree (workspace) sources taken from `src` — e.g. a flake input
  # holding the project's source tree: `lock2nix.lib.overlayFor ./nix/python-overlay.nix inputs.app-src`.
  overlayFor = path: src: (import path).override { workspaceRoot = "${src}"; };

  # The environment of a generated overlay's root package: the interpreter with the root and its closure.
  # Generated overlays also offer whole environments: `pkgs.<scope>.envs.default` (the roots),
  # `.dev` (with uv's default groups) and `.dev-editable`.
  pythonEnv =
    pkgs: python: root:
    pkgs.${python}.withPackages (ps: [ ps.${root} ]);

  # A development shell with an environment of the overlay, usually `<scope>.envs.dev-editable`:
  # the workspace members are imported from $REPO_ROOT (the directory of uv.lock in the working
  # tree), so edits need no rebuild. When REPO_ROOT is unset and the shell is entered where
  # uv.lock is, that directory is used; otherwise the environment's hook stops with what to set.
  devShell =
    pkgs: env:
    pkgs.mkShell {
      packages = [ env ];
      shellHook =
        ''
          if [ -z "''${REPO_ROOT:-}" ] && [ -f "$PWD/uv.lock" ]; then
            export REPO_ROOT="$PWD"
          fi
        ''
        + (env.shellHook or "");
    };

  # Flake apps for the console scripts of an environment's roots (`env.scripts`, e.g.
  # `pkgs.<scope>.envs.default`): `nix run .#<script>`.
  appsFor =
    env:
    builtins.listToAttrs (
      map (name: {
        inherit name;
        value = {
          type = "app";
          program = "${env}/bin/${name}";
        };
      }) env.scripts
    );
}
