import AMQP
import Postgres
