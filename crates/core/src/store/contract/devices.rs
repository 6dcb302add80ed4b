//! Our account's devices.

use crate::model::{Device, DeviceType, Show};
use crate::store::Store;
use crate::testing::{alice, at, bare, full};

/// Devices are kept per resource, go offline together, and list online first.
pub async fn devices_are_tracked_per_resource(store: &impl Store) {
    let device = |res: &str, online: bool, kind: DeviceType| Device {
        jid: full(&format!("alice@example.org/{res}")),
        resource: res.into(),
        show: if online {
            Show::Available
        } else {
            Show::Unavailable
        },
        device_type: kind,
        online,
        this_device: false,
        last_seen: at(5),
    };
    store
        .upsert_device(&alice(), &device("phone", true, DeviceType::Phone))
        .await
        .expect("up");
    store
        .upsert_device(&alice(), &device("laptop", true, DeviceType::Desktop))
        .await
        .expect("up");
    store
        .upsert_device(&alice(), &device("old", false, DeviceType::Unknown))
        .await
        .expect("up");
    let list = store.devices(&alice()).await.expect("devices");
    let names: Vec<&str> = list.iter().map(|d| d.resource.as_str()).collect();
    assert_eq!(names, ["laptop", "phone", "old"]);
    assert_eq!(list[1].device_type, DeviceType::Phone);

    store
        .upsert_device(&alice(), &device("phone", false, DeviceType::Phone))
        .await
        .expect("up");
    assert!(!store
        .devices(&alice())
        .await
        .expect("devices")
        .iter()
        .any(|d| d.resource == "phone" && d.online));

    store
        .mark_devices_offline(&alice(), at(9))
        .await
        .expect("offline");
    let list = store.devices(&alice()).await.expect("devices");
    assert!(list
        .iter()
        .all(|d| !d.online && d.show == Show::Unavailable));
    assert_eq!(
        store
            .devices(&bare("zed@example.org"))
            .await
            .expect("devices"),
        vec![]
    );
}
