self: super: with self; { cffi = callPackage ../development/python-modules/cffi/default.nix { }; }
=== pkgs/development/python-modules/cffi/default.nix
# A patch on every platform plus one under a condition; a Darwin-only source edit.
{
  lib,
  stdenv,
  buildPythonPackage,
  fetchPypi,
  pkg-config,
  libffi,
  setuptools,
}:

buildPythonPackage rec {
  pname = "cffi";
  version = "1.17.1";
  pyproject = true;

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  patches = [
    ./darwin-use-libffi-closures.diff
  ]
  ++ lib.optionals (stdenv.isDarwin or false) [ ./clang-pointer-substraction-warning.diff ];

  postPatch = lib.optionalString (stdenv.isDarwin or false) ''
    substituteInPlace setup.py \
      --replace "'-iwithsysroot/usr/include/ffi'" ""
  '';

  build-system = [ setuptools ];

  nativeBuildInputs = [ pkg-config ];

  buildInputs = [ libffi ];

  meta.license = lib.licenses.mit;
}
