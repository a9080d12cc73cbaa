//! Compute device selection and libtorch set-up.
//!
//! CPU runs need only libtorch's CPU libraries (plus the two small nvidia wheels that
//! `libtorch_cpu.so` links against). CUDA support lives in `libtorch_cuda.so`, which rustc's
//! `--as-needed` drops from the link because no symbol is used directly; it is therefore
//! loaded with `dlopen` only when a CUDA device is asked for (DEPENDENCIES.md, gotchas).

use std::ffi::{CStr, CString};
use std::path::PathBuf;

use crate::error::{Error, Result};

/// What the user asked for with `--device`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceRequest {
    /// CUDA when it can be used, otherwise CPU (with a message saying why).
    #[default]
    Auto,
    Cpu,
    Cuda,
}

impl std::str::FromStr for DeviceRequest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(DeviceRequest::Auto),
            "cpu" => Ok(DeviceRequest::Cpu),
            "cuda" => Ok(DeviceRequest::Cuda),
            other => Err(Error::Config(format!("unknown device {other:?} (expected auto, cpu or cuda)"))),
        }
    }
}

/// The device chosen; when `auto` fell back to the CPU, why CUDA could not be used.
#[derive(Debug, Clone)]
pub struct DeviceChoice {
    pub device: tch::Device,
    /// The loader's reason for not using CUDA (detail for `-v`; the normal case on a CPU machine).
    pub fallback_reason: Option<String>,
}

impl DeviceChoice {
    /// One calm line for the user: `CPU`, `CPU (no CUDA GPU found)` or `CUDA GPU 0`.
    pub fn describe(&self) -> String {
        match (self.device, &self.fallback_reason) {
            (tch::Device::Cuda(i), _) => format!("CUDA GPU {i}"),
            (_, Some(_)) => "CPU (no CUDA GPU found)".to_string(),
            _ => "CPU".to_string(),
        }
    }
}

/// Resolves the request: `cuda` without a usable GPU is an error (with the loader's reason),
/// `auto` falls back to the CPU and keeps the reason for verbose output. Also sets libtorch's
/// CPU thread count to the available cores.
pub fn select_device(request: DeviceRequest) -> Result<DeviceChoice> {
    configure_cpu_threads();
    match request {
        DeviceRequest::Cpu => Ok(DeviceChoice { device: tch::Device::Cpu, fallback_reason: None }),
        DeviceRequest::Cuda => cuda_device()
            .map(|device| DeviceChoice { device, fallback_reason: None })
            .map_err(Error::Device),
        DeviceRequest::Auto => match cuda_device() {
            Ok(device) => Ok(DeviceChoice { device, fallback_reason: None }),
            Err(why) => Ok(DeviceChoice { device: tch::Device::Cpu, fallback_reason: Some(why) }),
        },
    }
}

/// libtorch intra-op threads = cores available to this process.
pub fn configure_cpu_threads() {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    tch::set_num_threads(cores.min(i32::MAX as usize) as i32);
}

fn cuda_device() -> std::result::Result<tch::Device, String> {
    load_cuda_runtime()?;
    if !tch::Cuda::is_available() {
        return Err("libtorch_cuda.so is loaded but libtorch reports no CUDA device (no GPU or driver)".into());
    }
    Ok(tch::Device::Cuda(0))
}

/// `dlopen`s `libtorch_cuda.so` once, process-wide, with `RTLD_GLOBAL` so libtorch's CUDA
/// backend registers itself. Tries the loader's search path (the binary's rpath), then
/// `$LIBTORCH/lib`, then the libtorch found at build time.
fn load_cuda_runtime() -> std::result::Result<(), String> {
    use std::sync::OnceLock;
    static LOADED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let mut candidates: Vec<PathBuf> = vec![PathBuf::from("libtorch_cuda.so")];
            if let Some(root) = std::env::var_os("LIBTORCH") {
                candidates.push(PathBuf::from(root).join("lib/libtorch_cuda.so"));
            }
            if let Some(lib) = option_env!("AUTODL_LIBTORCH_LIB") {
                candidates.push(PathBuf::from(lib).join("libtorch_cuda.so"));
            }
            let mut errors = Vec::new();
            for candidate in &candidates {
                match dlopen_global(candidate) {
                    Ok(()) => return Ok(()),
                    Err(e) if !errors.contains(&e) => errors.push(e),
                    Err(_) => {}
                }
            }
            Err(format!(
                "cannot load libtorch_cuda.so ({}); CUDA needs the full torch==2.11.0 wheel with its CUDA libraries",
                errors.join("; ")
            ))
        })
        .clone()
}

fn dlopen_global(path: &std::path::Path) -> std::result::Result<(), String> {
    let c_path = CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| format!("{}: path contains a NUL byte", path.display()))?;
    // SAFETY: dlopen with a valid NUL-terminated path; the handle is deliberately never
    // closed, the library stays loaded for the life of the process.
    let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if handle.is_null() {
        // SAFETY: dlerror returns NULL or a valid C string owned by libc.
        let msg = unsafe {
            let e = libc::dlerror();
            if e.is_null() {
                "unknown dlopen error".to_string()
            } else {
                CStr::from_ptr(e).to_string_lossy().into_owned()
            }
        };
        return Err(msg);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_parse() {
        assert_eq!("cpu".parse::<DeviceRequest>().unwrap(), DeviceRequest::Cpu);
        assert_eq!("auto".parse::<DeviceRequest>().unwrap(), DeviceRequest::Auto);
        assert_eq!("cuda".parse::<DeviceRequest>().unwrap(), DeviceRequest::Cuda);
        assert!("gpu".parse::<DeviceRequest>().is_err());
    }

    #[test]
    fn cpu_is_always_available_and_auto_never_fails() {
        assert_eq!(select_device(DeviceRequest::Cpu).unwrap().device, tch::Device::Cpu);
        let auto = select_device(DeviceRequest::Auto).unwrap();
        // Either a GPU was found, or the fallback keeps why and says so calmly in one line.
        if auto.device == tch::Device::Cpu {
            assert!(auto.fallback_reason.is_some());
            assert_eq!(auto.describe(), "CPU (no CUDA GPU found)");
        } else {
            assert!(auto.describe().starts_with("CUDA GPU"));
        }
        assert_eq!(select_device(DeviceRequest::Cpu).unwrap().describe(), "CPU");
    }

    #[test]
    fn cuda_request_without_gpu_is_a_clear_error() {
        match select_device(DeviceRequest::Cuda) {
            Ok(choice) => assert!(matches!(choice.device, tch::Device::Cuda(_))),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.starts_with("device:") && msg.contains("CUDA"), "{msg}");
            }
        }
    }
}
