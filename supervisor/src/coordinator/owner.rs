//! Whether an accepted loopback connection comes from the launched child or one of its
//! descendants, as Airflow's `_is_connection_from_process` checks with psutil.
//!
//! On Linux: the kernel's TCP tables (`/proc/self/net/tcp` and `tcp6`, the supervisor's network
//! namespace, which the child shares) give the inode of the socket whose local end is the
//! connection's peer and whose remote end is the listener's address; the connection is the
//! child's when a process in its tree (the child, then every process whose parent chain reaches
//! it, read from `/proc/<pid>/stat`) holds that socket (`/proc/<pid>/fd/* -> socket:[inode]`).
//! A fresh connection may not show at once, so the check is retried every 50 ms for up to 1 s.
//!
//! Elsewhere there is no `/proc`: every connection is accepted.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpStream;

/// How long a connection is looked for in the child's tree before it is refused (Airflow: 1 s).
const VERIFY_TIMEOUT: Duration = Duration::from_secs(1);
/// How often it is looked for meanwhile (Airflow: 50 ms).
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Whether `stream`, accepted on a listener, belongs to the process tree rooted at `pid`.
pub(super) async fn connection_from_tree(stream: &TcpStream, pid: u32) -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let (Ok(peer), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else {
        return false;
    };
    let peer = canonical(peer);
    let local = canonical(local);
    let deadline = tokio::time::Instant::now() + VERIFY_TIMEOUT;
    loop {
        if owned_by_tree(peer, local, pid) {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// An IPv4 address carried in IPv6 (mapped `::ffff:a.b.c.d`, or compatible `::a.b.c.d` other
/// than `::` and `::1`) as plain IPv4, so a dual-stack child's socket matches the IPv4 listener.
fn canonical(address: SocketAddr) -> SocketAddr {
    let ip = match address.ip() {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                IpAddr::V4(v4)
            } else {
                let bits = u128::from(v6);
                if bits > 1 && bits <= u128::from(u32::MAX) {
                    IpAddr::V4(Ipv4Addr::from(bits as u32))
                } else {
                    IpAddr::V6(v6)
                }
            }
        }
        v4 => v4,
    };
    SocketAddr::new(ip, address.port())
}

fn owned_by_tree(peer: SocketAddr, local: SocketAddr, pid: u32) -> bool {
    let inodes = socket_inodes(peer, local);
    if inodes.is_empty() {
        return false;
    }
    process_tree(pid)
        .into_iter()
        .any(|member| holds_any(member, &inodes))
}

/// The inodes of the TCP sockets whose local end is `peer` and remote end is `local`.
fn socket_inodes(peer: SocketAddr, local: SocketAddr) -> HashSet<u64> {
    let mut inodes = HashSet::new();
    for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(from), Some(to), Some(inode)) = (fields.get(1), fields.get(2), fields.get(9))
            else {
                continue;
            };
            let (Some(from), Some(to), Ok(inode)) = (
                parse_endpoint(from),
                parse_endpoint(to),
                inode.parse::<u64>(),
            ) else {
                continue;
            };
            if inode != 0 && canonical(from) == peer && canonical(to) == local {
                inodes.insert(inode);
            }
        }
    }
    inodes
}

/// A `/proc/net/tcp{,6}` endpoint, `ADDR:PORT` in hex. The kernel prints the address as 32-bit
/// words in host byte order, so each word's native-endian bytes are the address's bytes.
fn parse_endpoint(text: &str) -> Option<SocketAddr> {
    let (address, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let mut bytes = Vec::with_capacity(16);
    for at in (0..address.len()).step_by(8) {
        let word = u32::from_str_radix(address.get(at..at + 8)?, 16).ok()?;
        bytes.extend_from_slice(&word.to_ne_bytes());
    }
    let ip = match bytes.len() {
        4 => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        16 => {
            let array: [u8; 16] = bytes.try_into().ok()?;
            IpAddr::V6(Ipv6Addr::from(array))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// `pid` and all its descendants, from the parent of every process in `/proc`.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(parent) = parent_of(child) {
                children.entry(parent).or_default().push(child);
            }
        }
    }
    let mut tree = vec![pid];
    let mut at = 0;
    while let Some(&member) = tree.get(at) {
        if let Some(kids) = children.get(&member) {
            tree.extend(kids.iter().copied().filter(|kid| *kid != member));
        }
        at += 1;
        // A pid cycle cannot happen, but a bound keeps a racing /proc from looping.
        if tree.len() > 1 << 16 {
            break;
        }
    }
    tree
}

/// The parent pid in `/proc/<pid>/stat`: the field after the state, which follows the command
/// name in parentheses (the name may itself hold spaces and parentheses, so the last `)` counts).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// Whether process `pid` has a descriptor on one of the sockets `inodes`.
fn holds_any(pid: u32, inodes: &HashSet<u64>) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).ok().is_some_and(|target| {
            target
                .to_str()
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse::<u64>().ok())
                .is_some_and(|inode| inodes.contains(&inode))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_endpoints_parse() {
        // 127.0.0.1:8080 as the kernel prints it on a little-endian machine.
        if cfg!(target_endian = "little") {
            assert_eq!(
                parse_endpoint("0100007F:1F90"),
                Some("127.0.0.1:8080".parse().expect("an address"))
            );
            assert_eq!(
                parse_endpoint("0000000000000000FFFF00000100007F:1F90").map(canonical),
                Some("127.0.0.1:8080".parse().expect("an address"))
            );
        }
        assert_eq!(parse_endpoint("zz:1"), None);
    }

    #[test]
    fn ipv4_in_ipv6_is_ipv4() {
        let compatible: SocketAddr = "[::127.0.0.1]:5".parse().expect("an address");
        assert_eq!(
            canonical(compatible),
            "127.0.0.1:5".parse().expect("an address")
        );
        let loopback6: SocketAddr = "[::1]:5".parse().expect("an address");
        assert_eq!(canonical(loopback6), loopback6);
    }

    #[test]
    fn this_process_is_in_its_own_tree() {
        if cfg!(target_os = "linux") {
            assert!(process_tree(std::process::id()).contains(&std::process::id()));
        }
    }
}
