pub mod account;
pub mod hash;
pub mod key;
pub mod pkey;
pub mod pki;
pub mod seal;
pub mod server;
pub mod sign;
