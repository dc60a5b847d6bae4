//! How fast the NSCA daemon itself takes results: every packet is built and
//! encrypted before the clock starts, so only writing them and the daemon's
//! reading and decrypting are timed. Used by bench/nsca.sh.
//!
//! Usage: nsca-daemon-limit PORT METHOD PASSWORD COUNT

use adminkit::nsca::crypto::Method;
use adminkit::nsca::packet::{CheckResult, Format};
use adminkit::nsca::send::Target;
use std::time::{Duration, Instant};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [port, method, password, count] = &args[..] else {
        return Err("usage: nsca-daemon-limit PORT METHOD PASSWORD COUNT".into());
    };
    let number = |s: &str| s.parse::<i64>().map_err(|e| format!("{s}: {e}"));
    let target = Target {
        server: "127.0.0.1",
        port: number(port)? as u16,
        timeout: Duration::from_secs(600),
        method: Method::from_number(number(method)?)?,
        password: password.as_bytes(),
        format: Format::V3,
    };
    let mut session = target.open().map_err(|e| e.to_string())?;
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
    let started = Instant::now();
    for packet in &packets {
        session.write_packet(packet).map_err(|e| e.to_string())?;
    }
    session.close().map_err(|e| e.to_string())?;
    println!("{:.3}", started.elapsed().as_secs_f64());
    Ok(())
}
