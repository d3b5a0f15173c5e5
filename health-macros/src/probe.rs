//! The three probes, as the macros name them and as the runtime knows them.

use proc_macro2::TokenStream;
use quote::quote;

#[derive(Clone, Copy)]
pub enum Probe {
    Liveness,
    Readiness,
    Startup,
}

impl Probe {
    /// The attribute's name, for error messages.
    pub fn attribute(self) -> &'static str {
        match self {
            Probe::Liveness => "liveness",
            Probe::Readiness => "readiness",
            Probe::Startup => "startup",
        }
    }

    /// The runtime's `Probe` variant, reached through `krate`.
    pub fn variant(self, krate: &TokenStream) -> TokenStream {
        match self {
            Probe::Liveness => quote!(#krate::__private::Probe::Liveness),
            Probe::Readiness => quote!(#krate::__private::Probe::Readiness),
            Probe::Startup => quote!(#krate::__private::Probe::Startup),
        }
    }
}
