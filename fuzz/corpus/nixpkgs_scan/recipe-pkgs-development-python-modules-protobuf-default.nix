self: super: with self; { protobuf = callPackage ../development/python-modules/protobuf/default.nix { }; }
=== pkgs/development/python-modules/protobuf/default.nix
# An evaluation-time assert on the version (finalAttrs form), an interpolated version.
{
  lib,
  buildPythonPackage,
  fetchPypi,
}:

let
  major = "5";
  minor = "29.3";
in
buildPythonPackage (finalAttrs: {
  pname = "protobuf";
  # an interpolated version: the scanner must not guess it
  version = "${major}.${minor}";
  pyproject = true;

  src = fetchPypi {
    inherit (finalAttrs) pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  doCheck =
    # protoc (the C++ protobuf) must not be newer than the Python runtime
    assert lib.versionAtLeast finalAttrs.version "5.29";
    # the PyPI sdist ships no tests
    false;

  meta.license = lib.licenses.bsd3;
})
