package import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's CLI `-output json` (`pkg/common/cliprinter/internal/protojson`): each message as protojson with proto field
/// names and every unpopulated field (`EmitUnpopulated`: `""`, `0`, `false`, `[]`, `{}`, the enum's zero name, int64s as
/// `"0"`), then with `null`s (unset messages) removed and written back by Go's `encoding/json` (keys sorted, compact);
/// several messages become one array. One line, ending in a newline.
///
/// swift-protobuf writes only the fields that are set, so the rest are filled in from the protos' descriptors
/// (`SPIREServerAPIDescriptorSet.swift`, written by `dev/generate-protos.sh`).
package enum SPIREJSON {
    package static func line(_ messages: [any SwiftProtobuf.Message]) throws -> String {
        var values: [GoJSONValue] = []
        for message in messages {
            values.append(try value(of: message))
        }
        return (values.count == 1 ? values[0] : .array(values)).encoded + "\n"
    }

    package static func line(_ message: any SwiftProtobuf.Message) throws -> String {
        try line([message])
    }

    /// The message as SPIRE's printer holds it before writing.
    package static func value(of message: any SwiftProtobuf.Message) throws -> GoJSONValue {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let text = try message.jsonString(options: options)
        guard let parsed = GoJSONValue(parsing: text) else {
            throw SPIREJSONError(message: "swift-protobuf wrote JSON this printer cannot read for \(type(of: message).protoMessageName)")
        }
        return removingNulls(Descriptors.shared.filled(parsed, as: "." + type(of: message).protoMessageName))
    }

    /// SPIRE's `removeNulls`: `null` members and elements go, at every depth.
    static func removingNulls(_ value: GoJSONValue) -> GoJSONValue {
        switch value {
        case .object(let members):
            return .object(members.compactMapValues { $0 == .null ? nil : removingNulls($0) })
        case .array(let elements):
            return .array(elements.compactMap { $0 == .null ? nil : removingNulls($0) })
        default:
            return value
        }
    }

    /// The fields of every message of SPIRE's server API, by full name (`.spire.api.types.Entry`).
    struct Descriptors: Sendable {
        static let shared = Descriptors()

        private let messages: [String: Google_Protobuf_DescriptorProto]
        private let enumZeroNames: [String: String]

        private init() {
            var messages: [String: Google_Protobuf_DescriptorProto] = [:]
            var enumZeroNames: [String: String] = [:]
            let bytes = Data(base64Encoded: spireServerAPIDescriptorSetBase64, options: .ignoreUnknownCharacters) ?? Data()
            let set = (try? Google_Protobuf_FileDescriptorSet(serializedBytes: [UInt8](bytes))) ?? Google_Protobuf_FileDescriptorSet()
            func add(_ message: Google_Protobuf_DescriptorProto, scope: String) {
                let name = scope + "." + message.name
                messages[name] = message
                for nested in message.nestedType { add(nested, scope: name) }
                for enumType in message.enumType { enumZeroNames[name + "." + enumType.name] = enumType.value.first?.name ?? "" }
            }
            for file in set.file {
                let scope = file.package.isEmpty ? "" : "." + file.package
                for message in file.messageType { add(message, scope: scope) }
                for enumType in file.enumType { enumZeroNames[scope + "." + enumType.name] = enumType.value.first?.name ?? "" }
            }
            self.messages = messages
            self.enumZeroNames = enumZeroNames
        }

        /// Whether the descriptors were read (they are compiled in; false would mean a broken generated file).
        var isLoaded: Bool { !messages.isEmpty }

        /// `value` (a message of type `typeName` as swift-protobuf wrote it) with every unpopulated field added.
        func filled(_ value: GoJSONValue, as typeName: String) -> GoJSONValue {
            guard case .object(var members) = value, let descriptor = messages[typeName] else { return value }
            for field in descriptor.field {
                let name = field.name
                if let present = members[name] {
                    members[name] = filledField(present, field)
                    continue
                }
                // protojson emits no unset oneof member (proto3 `optional` fields are synthetic oneofs) and writes
                // unset messages as null, which SPIRE's printer removes.
                if field.hasOneofIndex { continue }
                if field.label == .repeated {
                    members[name] = isMap(field) ? .object([:]) : .array([])
                    continue
                }
                switch field.type {
                case .message, .group: continue
                case .string, .bytes: members[name] = .string("")
                case .bool: members[name] = .bool(false)
                case .int64, .uint64, .sint64, .fixed64, .sfixed64: members[name] = .string("0")
                case .enum: members[name] = .string(enumZeroNames[field.typeName] ?? "")
                default: members[name] = .number("0")
                }
            }
            return .object(members)
        }

        private func isMap(_ field: Google_Protobuf_FieldDescriptorProto) -> Bool {
            field.type == .message && messages[field.typeName]?.options.mapEntry == true
        }

        private func filledField(_ value: GoJSONValue, _ field: Google_Protobuf_FieldDescriptorProto) -> GoJSONValue {
            guard field.type == .message, !field.typeName.hasPrefix(".google.protobuf.") else { return value }
            if isMap(field) {
                guard case .object(let entries) = value,
                    let valueField = messages[field.typeName]?.field.first(where: { $0.number == 2 })
                else { return value }
                return .object(entries.mapValues { filledField($0, valueField) })
            }
            if field.label == .repeated, case .array(let elements) = value {
                return .array(elements.map { filled($0, as: field.typeName) })
            }
            return filled(value, as: field.typeName)
        }
    }
}

package struct SPIREJSONError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
