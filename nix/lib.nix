# Helpers for flakes that use lock2nix overlays.
{
  # The overlay in `path`, with its in-tree (workspace) sources taken from `src` — e.g. a flake input
  # holding the project's source tree: `lock2nix.lib.overlayFor ./nix/python-overlay.nix inputs.app-src`.
  overlayFor = path: src: (import path).override { workspaceRoot = "${src}"; };

  # The environment of a generated overlay's root package: the interpreter with the root and its closure.
  pythonEnv =
    pkgs: python: root:
    pkgs.${python}.withPackages (ps: [ ps.${root} ]);
}
