//! Work that spans several stores and side effects (files, live events):
//! what a request means, without the HTTP around it.

pub mod accounts;
pub mod auth;
pub mod comments;
pub mod follows;
pub mod notifications;
pub mod posts;
