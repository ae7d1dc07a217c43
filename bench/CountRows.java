import java.sql.DriverManager;

/** java -cp <runtime classpath> CountRows.java <jdbc url> <sql>: prints the single number the query returns. */
public class CountRows {
    public static void main(String[] args) throws Exception {
        try (var c = DriverManager.getConnection(args[0], "postgres", ""); var rs = c.createStatement().executeQuery(args[1])) {
            rs.next();
            System.out.println(rs.getLong(1));
        }
    }
}
