self: super: with self; { zope-interface = callPackage ../development/python-modules/zope-interface/default.nix { }; }
=== pkgs/development/python-modules/zope-interface/default.nix
# A source edit for nixpkgs' setuptools; tests off (circular dependencies).
{
  lib,
  buildPythonPackage,
  fetchFromGitHub,
  setuptools,
}:

buildPythonPackage rec {
  pname = "zope-interface";
  version = "7.2";
  pyproject = true;

  src = fetchFromGitHub {
    owner = "zopefoundation";
    repo = "zope.interface";
    tag = version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  postPatch = ''
    substituteInPlace pyproject.toml \
      --replace-fail "setuptools < 74" "setuptools"
  '';

  build-system = [ setuptools ];

  doCheck = false;

  meta.license = "ZPL-2.1";
}
