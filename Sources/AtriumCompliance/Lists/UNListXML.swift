import Foundation

/// The UN Security Council consolidated list as XML (`CONSOLIDATED_LIST`), decoded with XMLCoder.
/// Only the elements the loader reads are declared; the others are ignored.
struct UNConsolidatedList: Decodable {
    let dateGenerated: String?
    let individuals: Individuals?
    let entities: Entities?

    enum CodingKeys: String, CodingKey {
        case dateGenerated
        case individuals = "INDIVIDUALS"
        case entities = "ENTITIES"
    }

    struct Individuals: Decodable {
        let items: [Individual]?
        enum CodingKeys: String, CodingKey { case items = "INDIVIDUAL" }
    }

    struct Entities: Decodable {
        let items: [Entity]?
        enum CodingKeys: String, CodingKey { case items = "ENTITY" }
    }

    struct Values: Decodable {
        let value: [String]?
        enum CodingKeys: String, CodingKey { case value = "VALUE" }
    }

    struct Alias: Decodable {
        let quality: String?
        let name: String?
        enum CodingKeys: String, CodingKey {
            case quality = "QUALITY"
            case name = "ALIAS_NAME"
        }
    }

    struct Address: Decodable {
        let country: String?
        enum CodingKeys: String, CodingKey { case country = "COUNTRY" }
    }

    struct DateOfBirth: Decodable {
        let type: String?
        let date: String?
        let year: String?
        let fromYear: String?
        let toYear: String?
        enum CodingKeys: String, CodingKey {
            case type = "TYPE_OF_DATE"
            case date = "DATE"
            case year = "YEAR"
            case fromYear = "FROM_YEAR"
            case toYear = "TO_YEAR"
        }
    }

    struct PlaceOfBirth: Decodable {
        let city: String?
        let state: String?
        let country: String?
        enum CodingKeys: String, CodingKey {
            case city = "CITY"
            case state = "STATE_PROVINCE"
            case country = "COUNTRY"
        }
    }

    struct Document: Decodable {
        let type: String?
        let number: String?
        let issuingCountry: String?
        let countryOfIssue: String?
        enum CodingKeys: String, CodingKey {
            case type = "TYPE_OF_DOCUMENT"
            case number = "NUMBER"
            case issuingCountry = "ISSUING_COUNTRY"
            case countryOfIssue = "COUNTRY_OF_ISSUE"
        }
    }

    struct Individual: Decodable {
        let dataID: String
        let firstName, secondName, thirdName, fourthName: String?
        let listType: String?
        let comments: String?
        let nationality: Values?
        let aliases: [Alias]?
        let addresses: [Address]?
        let datesOfBirth: [DateOfBirth]?
        let placesOfBirth: [PlaceOfBirth]?
        let documents: [Document]?
        enum CodingKeys: String, CodingKey {
            case dataID = "DATAID"
            case firstName = "FIRST_NAME"
            case secondName = "SECOND_NAME"
            case thirdName = "THIRD_NAME"
            case fourthName = "FOURTH_NAME"
            case listType = "UN_LIST_TYPE"
            case comments = "COMMENTS1"
            case nationality = "NATIONALITY"
            case aliases = "INDIVIDUAL_ALIAS"
            case addresses = "INDIVIDUAL_ADDRESS"
            case datesOfBirth = "INDIVIDUAL_DATE_OF_BIRTH"
            case placesOfBirth = "INDIVIDUAL_PLACE_OF_BIRTH"
            case documents = "INDIVIDUAL_DOCUMENT"
        }
    }

    struct Entity: Decodable {
        let dataID: String
        let firstName: String?
        let listType: String?
        let comments: String?
        let aliases: [Alias]?
        let addresses: [Address]?
        enum CodingKeys: String, CodingKey {
            case dataID = "DATAID"
            case firstName = "FIRST_NAME"
            case listType = "UN_LIST_TYPE"
            case comments = "COMMENTS1"
            case aliases = "ENTITY_ALIAS"
            case addresses = "ENTITY_ADDRESS"
        }
    }
}
