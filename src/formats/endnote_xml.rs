//! EndNote XML (placeholder)
