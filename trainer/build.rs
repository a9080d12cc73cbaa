//! Adds rpaths to libtorch (and the nvidia/cu13 wheel folder next to it) so this crate's tests
//! run without LD_LIBRARY_PATH, and records the libtorch folder for `device.rs`, which
//! `dlopen`s libtorch_cuda.so from there when a CUDA device is requested.

mod rpath;

fn main() {
    if let Some(lib) = rpath::libtorch_rpath() {
        println!("cargo:rustc-env=AUTODL_LIBTORCH_LIB={}", lib.display());
    }
}
