//! Adds rpaths to libtorch (and the nvidia/cu13 wheel folder next to it) to the
//! `autodl-format` binary and the root integration tests, so they run without LD_LIBRARY_PATH
//! (torch-sys is a direct dependency only to receive DEP_TCH_LIBTORCH_LIB).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
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
