import Testing
@testable import B24
@testable import B24Wire

@Suite struct PHPQueryEncoderTests {
    @Test func flatAndNested() {
        let params: JSONValue = ["fields": ["TITLE": "John & Martin", "OPENED": true], "select": ["ID", "NAME"], "id": 5]
        #expect(PHPQueryEncoder.encode(params)
            == "fields[TITLE]=John%20%26%20Martin&fields[OPENED]=1&select[]=ID&select[]=NAME&id=5")
    }

    @Test func arraysOfContainersAreIndexed() {
        let params: JSONValue = ["FM": [["VALUE": "a", "TYPE": "WORK"], ["VALUE": "b", "TYPE": "HOME"]]]
        #expect(PHPQueryEncoder.encode(params) == "FM[0][VALUE]=a&FM[0][TYPE]=WORK&FM[1][VALUE]=b&FM[1][TYPE]=HOME")
    }

    @Test func scalarsAndEmpties() {
        let params: JSONValue = ["n": nil, "f": false, "d": 1.5, "e": [], "o": [:], "u": "ü=?"]
        #expect(PHPQueryEncoder.encode(params) == "n=&f=0&d=1.5&e=&o=&u=%C3%BC%3D%3F")
    }

    @Test func resultReferencesStayLiteral() {
        let params: JSONValue = ["ID": "$result[get_user][UF_DEPARTMENT][0]"]
        #expect(PHPQueryEncoder.encode(params) == "ID=$result[get_user][UF_DEPARTMENT][0]")
    }

    @Test func nonObjectTopLevelEncodesToNothing() {
        #expect(PHPQueryEncoder.encode(.array([1, 2])) == "")
        #expect(PHPQueryEncoder.encode(.null) == "")
    }
}
