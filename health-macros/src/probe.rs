//! The three probes, as the macros name them and as the runtime knows them.

use proc_macro2::TokenStream;
use quote::quote;

#[derive(Clone, Copy)]
pub(crate) enum Probe {
    Liveness,
    Readiness,
    Startup,
}

impl Probe {
    /// The attribute's name, for error messages.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Probe::Liveness => "liveness",
            Probe::Readiness => "readiness",
            Probe::Startup => "startup",
        }
    }

    /// The runtime's `Probe` variant, reached through its `__private` module.
    pub(crate) fn variant(self, private: &TokenStream) -> TokenStream {
        match self {
            Probe::Liveness => quote!(#private::Probe::Liveness),
            Probe::Readiness => quote!(#private::Probe::Readiness),
            Probe::Startup => quote!(#private::Probe::Startup),
        }
    }
}
