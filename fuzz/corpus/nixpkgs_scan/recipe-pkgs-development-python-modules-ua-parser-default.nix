self: super: with self; { ua-parser = callPackage ../development/python-modules/ua-parser/default.nix { }; }
=== pkgs/development/python-modules/ua-parser/default.nix
# The parent of ua-parser-builtins (which builds a sub-directory of this checkout).
{
  lib,
  buildPythonPackage,
  fetchFromGitHub,
  setuptools,
  ua-parser-builtins,
}:

buildPythonPackage rec {
  pname = "ua-parser";
  version = "1.0.1";
  pyproject = true;

  src = fetchFromGitHub {
    owner = "ua-parser";
    repo = "uap-python";
    tag = version;
    fetchSubmodules = true;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  build-system = [ setuptools ];

  dependencies = [ ua-parser-builtins ];

  meta.license = lib.licenses.asl20;
}
