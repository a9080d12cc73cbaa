//! Compiles `schemas/*.proto` with protox (pure Rust, no `protoc` binary) and prost-build.
use std::path::PathBuf;

fn main() {
    let schemas = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas");
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
