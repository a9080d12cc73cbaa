//! Adds rpaths to libtorch (and the nvidia/cu13 wheel folder next to it) to the
//! `autodl-format-train` binary (and the package's other targets, which do not load it), so it
//! runs without LD_LIBRARY_PATH (torch-sys is a direct
//! dependency only to receive DEP_TCH_LIBTORCH_LIB). Nothing to do without the `train` feature.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if std::env::var_os("CARGO_FEATURE_TRAIN").is_none() {
        return;
    }
    // Exported by torch-sys (`links = "tch"`) to packages depending on it directly.
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!("cargo:warning=DEP_TCH_LIBTORCH_LIB not set: no rpath to libtorch added");
        return;
    };
    let lib = PathBuf::from(lib);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    // PyPI layout: site-packages/torch/lib and site-packages/nvidia/cu13/lib.
    if let Some(site_packages) = lib.parent().and_then(|torch| torch.parent()) {
        let cu13 = site_packages.join("nvidia/cu13/lib");
        if cu13.is_dir() {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", cu13.display());
        }
    }
}
