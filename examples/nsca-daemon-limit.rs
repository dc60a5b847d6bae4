//! How fast the NSCA daemon itself takes results: every packet is built and
//! encrypted before it is written, so only connecting, writing them and the
//! daemon's reading and decrypting are timed. Used by bench/nsca.sh.
//!
//! Usage: nsca-daemon-limit MODE PORT METHOD PASSWORD COUNT
//!
//! MODE is the daemon's: `single`, `daemon` or `inetd`. In `daemon` and
//! `inetd` modes the daemon's first read comes right after it sends its IV,
//! before any client can have a packet there, finds nothing and sleeps one
//! second: every client pays that second. So the packets are written while
//! the daemon is surely asleep (half a second into one of its sleeps, which
//! start when it sent the IV), and the limit is that one second plus the
//! time from its waking to the end. In `single` mode it polls and never
//! sleeps on an empty socket: the limit is the time from the first write.
//! In every mode the time to connect and get the IV counts too (the
//! `--daemon` parent accepts once a second), as it does for any client.

use adminkit::nsca::crypto::Method;
use adminkit::nsca::packet::{CheckResult, Format};
use adminkit::nsca::send::Target;
use std::time::{Duration, Instant};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: nsca-daemon-limit single|daemon|inetd PORT METHOD PASSWORD COUNT";
    let [mode, port, method, password, count] = &args[..] else {
        return Err(usage.into());
    };
    let sleeps_on_first_read = match mode.as_str() {
        "single" => false,
        "daemon" | "inetd" => true,
        _ => return Err(usage.into()),
    };
    let number = |s: &str| s.parse::<i64>().map_err(|e| format!("{s}: {e}"));
    let target = Target {
        server: "127.0.0.1",
        port: number(port)? as u16,
        timeout: Duration::from_secs(600),
        method: Method::from_number(number(method)?)?,
        password: password.as_bytes(),
        format: Format::V3,
        ahead: None,
    };
    let began = Instant::now();
    let mut session = target.open().map_err(|e| e.to_string())?;
    let iv_received = Instant::now();
    let packets: Vec<Vec<u8>> = (0..number(count)?)
        .map(|i| {
            session.encode(&CheckResult {
                host: format!("host{}", i % 100).into_bytes(),
                service: b"bench".to_vec(),
                status: (i % 4) as u16,
                output: format!("OK - result {i} | time=0.{i}").into_bytes(),
            })
        })
        .collect();
    let mut started = Instant::now();
    let mut paid_before = Duration::ZERO;
    if sleeps_on_first_read {
        let whole_seconds = iv_received.elapsed().as_secs() + 1;
        let mid_sleep = iv_received + Duration::from_millis(whole_seconds * 1000 + 500);
        std::thread::sleep(mid_sleep.saturating_duration_since(Instant::now()));
        // The daemon wakes half a second from now; count from there.
        started = mid_sleep + Duration::from_millis(500);
        paid_before = Duration::from_secs(1);
    }
    for packet in &packets {
        session.write_packet(packet).map_err(|e| e.to_string())?;
    }
    session.close().map_err(|e| e.to_string())?;
    let limit =
        (iv_received - began) + paid_before + Instant::now().saturating_duration_since(started);
    println!("{:.3}", limit.as_secs_f64());
    Ok(())
}
