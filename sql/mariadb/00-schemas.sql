-- The databases of srwatch (MariaDB 10.11, the embedded default and tests).
-- Every file in this directory can be loaded twice without harm.
CREATE DATABASE IF NOT EXISTS alerts CHARACTER SET utf8mb4;
CREATE DATABASE IF NOT EXISTS metrics CHARACTER SET utf8mb4;
CREATE DATABASE IF NOT EXISTS ops CHARACTER SET utf8mb4;
CREATE DATABASE IF NOT EXISTS agent CHARACTER SET utf8mb4;
