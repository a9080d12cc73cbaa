//! Compiles `schemas/*.proto` with protox (pure Rust, no `protoc` binary) and prost-build.
use std::path::PathBuf;

fn main() {
    // read at run time: a build-script binary reused from another checkout must not point there
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let schemas = PathBuf::from(manifest).join("../schemas");
    let files = [schemas.join("tf_example.proto"), schemas.join("data_spec.proto")];
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let descriptors = protox::compile(&files, [&schemas]).expect("schemas/*.proto must compile");
    let mut config = prost_build::Config::new();
    // BTreeMap keeps map entries in key order: context `id`, `label_index`, `label_score`
    // and feature lists sorted by key, the canonical writer order of spec §3.1.
    config.btree_map(["."]);
    config
        .compile_fds(descriptors)
        .expect("prost-build code generation");
}
