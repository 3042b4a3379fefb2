//! Cancellation: what a task sees when the supervisor asks the process to stop (SIGTERM).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

#[derive(Default)]
struct State {
    cancelled: AtomicBool,
    /// Guards the wakers and pairs with `changed`; `cancelled` is set before either is used.
    wakers: Mutex<Vec<Waker>>,
    changed: Condvar,
}

/// Tells a task that it should stop: poll [`is_cancelled`](Self::is_cancelled), block in
/// [`wait_timeout`](Self::wait_timeout), or await [`cancelled`](Self::cancelled). Cheap to
/// clone; every clone sees the same signal.
///
/// The runtime cancels on SIGTERM (what Airflow's supervisor sends to stop a task). A task that
/// has not returned a few seconds later is not waited for: the process exits, and the supervisor
/// records the task as failed (or up for retry).
#[derive(Clone, Default)]
pub struct Cancellation(Arc<State>);

impl std::fmt::Debug for Cancellation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancellation")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl Cancellation {
    /// A signal not raised yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the task has been asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::Acquire)
    }

    /// Raises the signal: every waiter wakes.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::Release);
        let wakers = std::mem::take(&mut *self.lock());
        self.0.changed.notify_all();
        for waker in wakers {
            waker.wake();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Waker>> {
        // The list holds wakers only; a panic elsewhere cannot leave it inconsistent.
        self.0
            .wakers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Blocks until the task is asked to stop or `timeout` passes; whether it was asked. A
    /// task that sleeps between steps can sleep here instead.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let mut guard = self.lock();
        while !self.is_cancelled() {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            guard = self
                .0
                .changed
                .wait_timeout(guard, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        true
    }

    /// A future that completes when the task is asked to stop (any executor).
    pub fn cancelled(&self) -> Cancelled {
        Cancelled(self.clone())
    }
}

/// The future of [`Cancellation::cancelled`].
#[derive(Debug)]
pub struct Cancelled(Cancellation);

impl Future for Cancelled {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.is_cancelled() {
            return Poll::Ready(());
        }
        let mut wakers = self.0.lock();
        // Checked again under the lock: `cancel` sets the flag before it takes the wakers, so
        // a waker stored now is either taken by it or was not needed.
        if self.0.is_cancelled() {
            return Poll::Ready(());
        }
        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_wake_when_cancelled() {
        let cancel = Cancellation::new();
        assert!(!cancel.wait_timeout(Duration::from_millis(10)));
        let other = cancel.clone();
        let waiter = std::thread::spawn(move || other.wait_timeout(Duration::from_secs(60)));
        std::thread::sleep(Duration::from_millis(20));
        cancel.cancel();
        assert!(waiter.join().unwrap());
        assert!(cancel.is_cancelled());
    }

    #[test]
    fn the_future_completes_when_cancelled() {
        struct Flag(std::sync::atomic::AtomicBool);
        impl std::task::Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        let cancel = Cancellation::new();
        let mut future = cancel.cancelled();
        assert!(Pin::new(&mut future).poll(&mut cx).is_pending());
        cancel.cancel();
        assert!(flag.0.load(Ordering::SeqCst));
        assert!(Pin::new(&mut future).poll(&mut cx).is_ready());
    }
}
