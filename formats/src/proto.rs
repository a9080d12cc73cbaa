//! Messages generated at build time from `schemas/*.proto` (prost, BTreeMap maps).

/// `tf.train` feature messages (`schemas/tf_example.proto`).
pub mod tensorflow {
    include!(concat!(env!("OUT_DIR"), "/tensorflow.rs"));
}

/// `autodl.DataSpecification` (`schemas/data_spec.proto`).
pub mod autodl {
    include!(concat!(env!("OUT_DIR"), "/autodl.rs"));
}
