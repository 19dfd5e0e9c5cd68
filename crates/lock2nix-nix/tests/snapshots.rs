mod common;
use common::*;

#[test]
fn overlay_shape_is_alejandra_fixed_point() {
    let text = lock2nix_nix::print_file(&overlay_shape()).unwrap();
    println!("{text}");
    assert_parses(&text);
    assert_alejandra_fixed_point(&text);
}
