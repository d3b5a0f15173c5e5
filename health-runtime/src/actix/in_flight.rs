//! [`Health::in_flight`](crate::Health::in_flight): an actix middleware that counts the app's
//! requests in flight, so that the drain stops the server as soon as the last one is done
//! (actix's workers, once told to stop, look at their connections once a second: a request still
//! in flight then makes the exit wait for the next look), and that tells a watched worker when
//! each poll of a request begins and ends (`workers.rs`).

use std::fmt;
use std::future::{Future, Ready, poll_fn, ready};

use actix_web::Error;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

use super::workers;
use crate::lifecycle::RequestsInFlight;

/// The middleware from [`Health::in_flight`](crate::Health::in_flight), for `App::wrap`.
#[derive(Clone, Copy)]
pub struct InFlight(&'static RequestsInFlight);

impl InFlight {
    pub(crate) fn new(counted: &'static RequestsInFlight) -> InFlight {
        InFlight(counted)
    }
}

impl fmt::Debug for InFlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InFlight")
    }
}

impl<S, B> Transform<S, ServiceRequest> for InFlight
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = CountInFlight<S>;
    type InitError = ();
    type Future = Ready<Result<CountInFlight<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CountInFlight {
            service,
            counted: self.0,
        }))
    }
}

/// The app's service, its requests counted from their start until their response.
pub struct CountInFlight<S> {
    service: S,
    counted: &'static RequestsInFlight,
}

impl<S> fmt::Debug for CountInFlight<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CountInFlight").finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for CountInFlight<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<B>, Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let mut counted = Some(self.counted.begin());
        let mut response = Box::pin(self.service.call(request));
        Box::pin(poll_fn(move |cx| {
            let polled = workers::time_poll(|| response.as_mut().poll(cx));
            if polled.is_ready() {
                drop(counted.take());
            }
            polled
        }))
    }
}
