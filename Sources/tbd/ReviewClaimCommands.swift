import ArgumentParser
import FACSKnowledge
import Foundation
import ReviewQueue
import SafeText
import Store

extension ReviewCommand {
    struct Claim: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Claim the next pending item (or --id) under a lease.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Option(name: .long, help: "Claim this item instead of the next one.") var id: Int64?
        @Option(name: .long, help: "Only items matching this filter, e.g. \"emotion=sad\".") var filter: String = ""
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = try curator.resolve()
            let opened = try store.openExisting()
            let claim = try storeCall { () -> Store.Claim? in
                if let id { return try opened.claim(id: id, curator: name) }
                return try opened.claimNext(curator: name, filter: try ReviewFilter.parse(filter))
            }
            if output.json { return try printJSON(claim.map(AnyEncodable.init) ?? AnyEncodable([String: String]())) }
            guard let claim else { return print("nothing to claim") }
            print("claimed #\(claim.annotationID) until \(claim.expiresAt)")
        }
    }

    struct Renew: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Renew this curator's lease on an item.")
        @OptionGroup var item: ReviewItemOptions

        func run() throws {
            let name = try item.curator.resolve()
            let claim = try storeCall { try item.store.openExisting().renew(id: item.id, curator: name) }
            if item.output.json { return try printJSON(claim) }
            print("claim on #\(item.id) renewed until \(claim.expiresAt)")
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a claimed item back to the queue.")
        @OptionGroup var item: ReviewItemOptions

        func run() throws {
            let name = try item.curator.resolve()
            try storeCall { try item.store.openExisting().release(id: item.id, curator: name) }
            if item.output.json { return try printJSON(["released": item.id]) }
            print("released #\(item.id)")
        }
    }
}
