//! Adds rpaths to libtorch (and the nvidia/cu13 wheel folder next to it) to the
//! `autodl-format-train` binary (and the package's other targets, which do not load it), so it
//! runs without LD_LIBRARY_PATH (torch-sys is a direct
//! dependency only to receive DEP_TCH_LIBTORCH_LIB). Nothing to do without the `train` feature.

#[path = "trainer/rpath.rs"]
mod rpath;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if std::env::var_os("CARGO_FEATURE_TRAIN").is_none() {
        return;
    }
    rpath::libtorch_rpath();
}
