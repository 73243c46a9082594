//! The domain: typed ids, validated inputs, the objects clients see and the
//! pure rules about them. Nothing here knows about SQL or HTTP.

pub mod fields;
pub mod ids;
pub mod pagination;
pub mod text;
