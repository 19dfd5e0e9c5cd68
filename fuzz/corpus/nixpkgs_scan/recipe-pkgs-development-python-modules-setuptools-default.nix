self: super: with self; { setuptools = callPackage ../development/python-modules/setuptools/default.nix { }; }
=== pkgs/development/python-modules/setuptools/default.nix
# A build-system bootstrap package: a patch, a GitHub checkout, tests off.
{
  lib,
  buildPythonPackage,
  fetchFromGitHub,
}:

buildPythonPackage rec {
  pname = "setuptools";
  version = "80.9.0";
  format = "pyproject";

  src = fetchFromGitHub {
    owner = "pypa";
    repo = "setuptools";
    tag = "v${version}";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  patches = [ ./tag-date.patch ];

  preBuild = ''
    export SETUPTOOLS_INSTALL_WINDOWS_SPECIFIC_FILES=0
  '';

  # Requires pytest, causing infinite recursion.
  doCheck = false;

  meta.license = lib.licenses.mit;
}
