//! TODO: see lib.rs for this module's role.
