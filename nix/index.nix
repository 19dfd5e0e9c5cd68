{ nixpkgs ? <nixpkgs>, python ? "python313" }: { }
