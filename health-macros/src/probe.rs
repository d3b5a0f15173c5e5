//! The three probes, and `#[check]`'s checks in groups only, as the macros name them and as the
//! runtime knows them.

use proc_macro2::TokenStream;
use quote::quote;

#[derive(Clone, Copy)]
pub(crate) enum Probe {
    Liveness,
    Readiness,
    Startup,
    /// `#[check(group = "...")]`: served in its groups, in no probe.
    GroupsOnly,
}

impl Probe {
    /// The attribute's name, for error messages.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Probe::Liveness => "liveness",
            Probe::Readiness => "readiness",
            Probe::Startup => "startup",
            Probe::GroupsOnly => "check",
        }
    }

    /// The runtime's `Option<Probe>`, reached through its `__private` module.
    pub(crate) fn variant(self, private: &TokenStream) -> TokenStream {
        let probe = match self {
            Probe::Liveness => quote!(#private::Probe::Liveness),
            Probe::Readiness => quote!(#private::Probe::Readiness),
            Probe::Startup => quote!(#private::Probe::Startup),
            Probe::GroupsOnly => return quote!(::core::option::Option::None),
        };
        quote!(::core::option::Option::Some(#probe))
    }
}
