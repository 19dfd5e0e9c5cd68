self: super: with self; { ua-parser-builtins = callPackage ../development/python-modules/ua-parser-builtins/default.nix { }; }
=== pkgs/development/python-modules/ua-parser-builtins/default.nix
# Version and src inherited from ua-parser; a sub-directory of its checkout; a source edit.
{
  lib,
  buildPythonPackage,
  setuptools,
  ua-parser,
}:

buildPythonPackage rec {
  pname = "ua-parser-builtins";
  inherit (ua-parser) version src;
  pyproject = true;

  sourceRoot = "${src.name}/ua-parser-builtins";

  postPatch = ''
    # don't use git to determine version
    substituteInPlace pyproject.toml \
      --replace-fail 'dynamic = ["version"]' 'version = "${version}"'
  '';

  build-system = [ setuptools ];

  meta.license = lib.licenses.asl20;
}
