//! Shared by the build scripts of `trainer` and of the root package (the `autodl-format-train`
//! binary): rpaths to libtorch and to the nvidia/cu13 wheel folder next to it, so the programs
//! run without LD_LIBRARY_PATH.

use std::path::PathBuf;

/// Prints the link arguments and returns libtorch's folder, or `None` (with a cargo warning)
/// when torch-sys did not export it.
pub fn libtorch_rpath() -> Option<PathBuf> {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    // Exported by torch-sys (`links = "tch"`) to packages depending on it directly.
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!("cargo:warning=DEP_TCH_LIBTORCH_LIB not set: no rpath to libtorch added");
        return None;
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
    Some(lib)
}
