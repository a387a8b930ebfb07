import ChargeBusContract
import Foundation

/// One value under construction. Reference type so containers can fill it in place.
final class EncodeNode {
    var scalar: JSONValue?
    var object: [String: EncodeNode]?
    var array: [EncodeNode]?

    func finish() -> JSONValue {
        if let object { return .object(object.mapValues { $0.finish() }) }
        if let array { return .array(array.map { $0.finish() }) }
        return scalar ?? .object([:])
    }
}

enum PayloadEncoding {
    static func encode<T: Encodable>(_ value: T) -> JSONValue {
        let node = EncodeNode()
        do {
            try encodeValue(value, into: node)
        } catch {
            // The payload types of this module never throw while encoding.
            preconditionFailure("OCPP payload encoding failed: \(error)")
        }
        return node.finish()
    }

    static func encodeValue<T: Encodable>(_ value: T, into node: EncodeNode) throws {
        switch value {
        case let string as String: node.scalar = .string(string)
        case let date as Date: node.scalar = .string(Timestamp.format(date))
        case let json as JSONValue: node.scalar = json
        case let integer as Int: node.scalar = .number(Double(integer))
        case let number as Double: node.scalar = .number(number)
        case let flag as Bool: node.scalar = .bool(flag)
        default: try value.encode(to: PayloadEncoder(node: node, codingPath: []))
        }
    }
}

struct PayloadEncoder: Encoder, SingleValueEncodingContainer {
    let node: EncodeNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.object == nil { node.object = [:] }
        return KeyedEncodingContainer(KeyedEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if node.array == nil { node.array = [] }
        return UnkeyedEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() { node.scalar = .null }
    func encode(_ value: Bool) { node.scalar = .bool(value) }
    func encode(_ value: String) { node.scalar = .string(value) }
    func encode(_ value: Double) { node.scalar = .number(value) }
    func encode(_ value: Float) { node.scalar = .number(Double(value)) }
    func encode(_ value: Int) { node.scalar = .number(Double(value)) }
    func encode(_ value: Int8) { node.scalar = .number(Double(value)) }
    func encode(_ value: Int16) { node.scalar = .number(Double(value)) }
    func encode(_ value: Int32) { node.scalar = .number(Double(value)) }
    func encode(_ value: Int64) { node.scalar = .number(Double(value)) }
    func encode(_ value: UInt) { node.scalar = .number(Double(value)) }
    func encode(_ value: UInt8) { node.scalar = .number(Double(value)) }
    func encode(_ value: UInt16) { node.scalar = .number(Double(value)) }
    func encode(_ value: UInt32) { node.scalar = .number(Double(value)) }
    func encode(_ value: UInt64) { node.scalar = .number(Double(value)) }
    func encode<T: Encodable>(_ value: T) throws { try PayloadEncoding.encodeValue(value, into: node) }
}

struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodeNode
    let codingPath: [any CodingKey]

    private func child(_ key: Key) -> EncodeNode {
        let child = EncodeNode()
        node.object![key.stringValue] = child
        return child
    }

    mutating func encodeNil(forKey key: Key) { child(key).scalar = .null }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try PayloadEncoding.encodeValue(value, into: child(key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey> {
        PayloadEncoder(node: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        PayloadEncoder(node: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { PayloadEncoder(node: node, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { PayloadEncoder(node: child(key), codingPath: codingPath + [key]) }
}

struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let node: EncodeNode
    let codingPath: [any CodingKey]
    var count: Int { node.array?.count ?? 0 }

    private func append() -> EncodeNode {
        let child = EncodeNode()
        node.array!.append(child)
        return child
    }

    mutating func encodeNil() { append().scalar = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try PayloadEncoding.encodeValue(value, into: append()) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        PayloadEncoder(node: append(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        PayloadEncoder(node: append(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { PayloadEncoder(node: append(), codingPath: codingPath) }
}
