//! Runs a lab until Enter is pressed (or standard input closes), for
//! trying a client by hand:
//!
//! ```text
//! cargo run -p tandem-lab --example serve -- alice:secret bob:secret
//! ```
//!
//! Each `user:password` argument is registered. Prints where to connect.

use std::io::BufRead;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = tandem_lab::Lab::start()?;
    for arg in std::env::args().skip(1) {
        let (user, password) = arg
            .split_once(':')
            .ok_or_else(|| format!("expected user:password, got {arg:?}"))?;
        println!("registered {}", lab.register(user, password)?);
    }
    println!("domain   {}", lab.domain());
    println!("muc      {}", lab.muc_domain());
    println!("upload   {}", lab.upload_domain());
    println!("c2s      {}", lab.c2s_addr());
    println!("http     {}", lab.http_addr());
    println!("ca       {}", lab.ca_file().display());
    println!("log      {}", lab.log_file().display());
    println!("pid      {}", lab.pid());
    println!("press Enter to stop");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    lab.stop()?;
    Ok(())
}
