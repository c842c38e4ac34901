import AtriumLedger
import Foundation

extension MT5WebAPIClient {
    /// The platform deal of one buy/sell deal of `deal/get_batch`; nil for a deal without volume.
    /// `Entry` 0 in, 1 out, 2 inout, 3 out_by (`IMTDeal::EnDealEntry`); the volume is `VolumeExt`
    /// (1/100,000,000 lot) or `Volume` × 10,000; the closed volume of an inout deal is
    /// `VolumeClosedExt` or `VolumeClosed` × 10,000 (MT5 reports it for out and inout deals), of
    /// out/out_by deals all of it; the time is `TimeMsc` (server-local ms) or `Time` × 1,000.
    func platformDeal(_ d: Deal, ticket: Int64, time: Date, exponent e: Int, currency: String) throws -> PlatformDeal? {
        let path = "/api/deal/get_batch"
        guard let code = d.Entry, let entry = DealEntry(mt5: code) else {
            throw PlatformError.malformed("\(path): deal \(d.Deal) has Entry \(d.Entry?.prefix(10) ?? "missing")")
        }
        let volumeExt: Int64
        if let text = d.VolumeExt, !text.isEmpty {
            guard let value = Int64(text), value >= 0 else { throw PlatformError.malformed("\(path): deal \(d.Deal) VolumeExt") }
            volumeExt = value
        } else {
            guard let value = d.Volume.flatMap(Int64.init), value >= 0, value <= Int64.max / PlatformDeal.extPerVolume else {
                throw PlatformError.malformed("\(path): deal \(d.Deal) lacks Volume")
            }
            volumeExt = value * PlatformDeal.extPerVolume
        }
        guard volumeExt > 0 else { return nil }
        let closed: Int64
        switch entry {
        case .entryIn: closed = 0
        case .out, .outBy: closed = volumeExt
        case .inOut:
            if let value = d.VolumeClosedExt.flatMap(Int64.init) {
                closed = value
            } else if let value = d.VolumeClosed.flatMap(Int64.init), value <= Int64.max / PlatformDeal.extPerVolume {
                closed = value * PlatformDeal.extPerVolume
            } else {
                throw PlatformError.malformed("\(path): inout deal \(d.Deal) lacks VolumeClosedExt and VolumeClosed")
            }
            guard closed >= 0, closed <= volumeExt else { throw PlatformError.malformed("\(path): inout deal \(d.Deal) closed more than its volume") }
        }
        guard let symbol = d.Symbol, let position = d.PositionID.flatMap(Int64.init) else {
            throw PlatformError.malformed("\(path): deal \(d.Deal) lacks Symbol or PositionID")
        }
        let timeMsc = d.TimeMsc.flatMap(Int64.init).map { $0 - Int64(offsetSeconds) * 1_000 } ?? time.unixMilliseconds
        return PlatformDeal(deal: ticket, login: d.Login, positionID: position, entry: entry, side: d.Action == "1" ? .sell : .buy, symbol: symbol,
                            volumeExt: volumeExt, closedVolumeExt: closed, price: d.Price ?? "",
                            profit: try DecimalText.amount(d.Profit ?? "0", e, "Profit"), commission: try DecimalText.amount(d.Commission ?? "0", e, "Commission"),
                            timeMsc: timeMsc, currency: currency, streamTicket: ticket)
    }
}
