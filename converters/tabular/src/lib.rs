//! Placeholder: see DEVELOPERS.md.
