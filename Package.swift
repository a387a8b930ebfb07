// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

/// What every daemon builds on: the contract, the MQTT client, config files, the daemon kit,
/// logging, metrics, the service lifecycle and its own SQLite file. Never another daemon.
let daemonDependencies: [Target.Dependency] = [
    "ChargeBusContract", "ChargeBusMQTT", "ChargeBusConfig", "ChargeBusDaemonKit",
    .product(name: "Logging", package: "swift-log"),
    .product(name: "Metrics", package: "swift-metrics"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    .product(name: "GRDB", package: "GRDB.swift"),
]

let package = Package(
    name: "ChargeBus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chargebus", targets: ["chargebus"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // All unsafe C interop with libmosquitto lives behind this module and ChargeBusMQTT.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .target(
            name: "ChargeBusMQTT",
            dependencies: [
                "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The bus contract: topics and payloads. No I/O, shared by every daemon.
        .target(name: "ChargeBusContract", swiftSettings: strict),
        // YAML config files whose every error names the file, the line and the reason.
        .target(name: "ChargeBusConfig", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),
        // OCPP-J framing, message types (one file per action), validation, meter normalization.
        .target(name: "ChargeBusOCPP", dependencies: ["ChargeBusContract"], swiftSettings: strict),
        .target(
            name: "ChargeBusBridge",
            dependencies: [
                "ChargeBusContract", "ChargeBusOCPP", "ChargeBusMQTT", "ChargeBusConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // What every daemon needs from the bus, so that no daemon depends on another's code.
        .target(
            name: "ChargeBusDaemonKit",
            dependencies: [
                "ChargeBusContract", "ChargeBusMQTT",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(name: "ChargeBusHealth", dependencies: daemonDependencies, swiftSettings: strict),
        .target(name: "ChargeBusAlerts", dependencies: daemonDependencies, swiftSettings: strict),
        .target(name: "ChargeBusCommands", dependencies: daemonDependencies, swiftSettings: strict),
        // All unsafe C interop with libcurl (the SMTP, SMS and webhook transfers) lives behind
        // this module and ChargeBusNotify/Channels/CurlTransfer.swift.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "ChargeBusNotify",
            dependencies: daemonDependencies + [
                "CCurl",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ChargeBusSimulator",
            dependencies: [
                "ChargeBusContract",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "chargebus",
            dependencies: [
                "ChargeBusContract", "ChargeBusMQTT", "ChargeBusOCPP", "ChargeBusBridge", "ChargeBusSimulator", "ChargeBusConfig",
                "ChargeBusDaemonKit", "ChargeBusHealth", "ChargeBusAlerts", "ChargeBusCommands", "ChargeBusNotify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ChargeBusContractTests", dependencies: ["ChargeBusContract"], swiftSettings: strict),
        .testTarget(name: "ChargeBusConfigTests", dependencies: ["ChargeBusConfig"], swiftSettings: strict),
        .testTarget(name: "ChargeBusMQTTTests", dependencies: ["ChargeBusMQTT", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "ChargeBusOCPPTests", dependencies: ["ChargeBusOCPP"], swiftSettings: strict),
        .testTarget(name: "ChargeBusBridgeTests", dependencies: ["ChargeBusBridge", "ChargeBusConfig", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "ChargeBusDaemonKitTests", dependencies: ["ChargeBusDaemonKit", "ChargeBusMQTT", "ChargeBusContract", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "ChargeBusHealthTests", dependencies: ["ChargeBusHealth"], swiftSettings: strict),
        .testTarget(name: "ChargeBusAlertsTests", dependencies: ["ChargeBusAlerts"], swiftSettings: strict),
        .testTarget(name: "ChargeBusCommandsTests", dependencies: ["ChargeBusCommands"], swiftSettings: strict),
        .testTarget(name: "ChargeBusNotifyTests", dependencies: ["ChargeBusNotify", "ChargeBusMQTT", "ChargeBusContract", "ChargeBusConfig"], swiftSettings: strict),
        .testTarget(name: "ChargeBusSimulatorTests", dependencies: ["ChargeBusSimulator"], swiftSettings: strict),
    ]
)
