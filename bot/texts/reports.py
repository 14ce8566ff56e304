"""Spanish (es-CO) texts of the commission statements and the program report."""

from bot.domain.enums import CommissionState
from bot.texts.deals import TYPE_LABELS as TYPE_LABELS  # re-exported: the report labels deal types the same way

CMD_MY_COMMISSIONS = "Tu estado de comisiones de un mes (por defecto, este mes), con el archivo XLSX"
OPT_MONTH = "Mes, p. ej. 2026-11, «noviembre» o «mes pasado»"

REF_DEAL = "Negocio #{deal_id} · {client}"
REF_LEAD = "Lead #{lead_id} · {company}"
HOW_COMMISSION = "{rate} de {total}"
HOW_CLAWBACK = "Reverso del negocio #{deal_id}"

TOTAL_PENDING = "Pendiente"
TOTAL_EARNED = "Ganada"
TOTAL_REJECTED = "Rechazada (no se paga)"
TOTAL_REVERSED = "Reversada"
TOTAL_NET = "Neto del mes"

XLSX_TITLE = "Comisiones de {name} · {month}"
# (header, its line in the «Cómo leer» sheet)
XLSX_COLUMNS = [
    ("Fecha", "Cuándo se decidió el movimiento (ganado, rechazado o reversado) o, si está pendiente, cuándo se registró; hora de Bogotá."),
    ("Tipo", "Comisión (por un negocio), Referido (premio por un lead) o Reverso (descuento de una comisión ya ganada)."),
    ("Referencia", "El negocio o el lead del movimiento."),
    ("Cálculo", "Cómo se calculó el valor."),
    ("Estado", "Pendiente (esperando aprobaciones), Ganada, Rechazada (no se paga) o Reversada."),
    ("Valor (COP)", "Valor del movimiento en pesos; los reversos son negativos. Debajo, los totales por estado."),
]
XLSX_SHEET_MINE = "Comisiones"
XLSX_SHEET_TOTALS = "Totales"
XLSX_SHEET_EACH = "(hoja de cada KAM)"
XLSX_PAYROLL_TITLE = "Comisiones de Ventas desde Operaciones · {month}"
XLSX_TOTAL_COLUMNS = [
    ("KAM", "La persona (tiene además su propia hoja con cada movimiento)."),
    ("Cédula", "Cédula del KAM, para nómina."),
    ("Correo Sense", "Correo de Sense del KAM."),
    ("Pendiente", "Comisiones registradas que esperan aprobaciones: todavía no se pagan."),
    ("Ganada", "Comisiones y premios por referidos ganados en el mes."),
    ("Rechazada", "Comisiones rechazadas en el mes: no se pagan."),
    ("Reversada", "Reversos del mes (negativos): se descuentan."),
    ("Neto a pagar", "Ganada + Reversada: lo que paga nómina este mes."),
]

MY_TITLE = "Tus comisiones · {month}"
MY_EMPTY = "No tienes movimientos de comisiones en {month}. Registra tus ventas con `/registrar-negocio` 💪"
MY_LINE = "{state_icon} **{amount}** · {reference} · {how} · {state}"
STATE_ICONS: dict[str, str] = {CommissionState.PENDIENTE: "⏳", CommissionState.GANADA: "✅", CommissionState.RECHAZADA: "❌", CommissionState.REVERSADA: "↩️"}
MY_MORE = "… y {n} más en el archivo adjunto."
MY_TOTALS = ("Ganada: **{earned}** · Reversada: **{reversed}** · Neto del mes: **{net}**\n"
             "Pendiente de aprobación: {pending} · Rechazada: {rejected}")
MY_FOOTER = "Cada movimiento cuenta en el mes en que se decidió (los pendientes, en el que se registraron)."

PERIOD = "1–{day} de {month}"
REPORT_TITLE = "Reporte de Ventas desde Operaciones · {month}"
REPORT_DEALS = ("**{label}**: negocios {deals} · {value} · comisiones {commissions}\n"
                "**{plabel}**: negocios {pdeals} · {pvalue} · comisiones {pcommissions}\n"
                "Variación en valor: {change}")
REPORT_CHANGE_NONE = "sin base de comparación"
REPORT_FIELD_DEALS = "Ventas (por fecha de anticipo)"
REPORT_FIELD_TYPES = "Por tipo (mes en curso)"
REPORT_FIELD_KAMS = "Por KAM (mes en curso)"
REPORT_ROW = "{name}: {deals} · {value} · comisión {commission}"
REPORT_NONE = "Sin negocios todavía."
REPORT_FIELD_FUNNEL = "Embudo de referidos (referidos este mes)"
REPORT_FUNNEL = ("Referidos **{referred}** → buenos **{good}** ({good_rate}) → vendidos **{sold}** ({sold_rate}); "
                 "malos {bad}\nTiempo mediano a calificación: {median}")
REPORT_MEDIAN_NONE = "sin calificaciones todavía"
REPORT_FIELD_REFERRERS = "Por quien refiere"
REPORT_REFERRER_ROW = "{name}: referidos {referred} · buenos {good} · vendidos {sold}"

CHART_COMPARISON = "Mes en curso contra el mismo periodo del mes anterior (valor de los negocios)"
CHART_BY_TYPE = "Por tipo"
CHART_BY_KAM = "Por KAM"
CHART_FUNNEL = "Embudo de referidos"
CHART_EMPTY = "Sin datos todavía"
FUNNEL_REFERRED = "Referidos"
FUNNEL_GOOD = "Buenos"
FUNNEL_SOLD = "Vendidos"

MONTHLY_DM = ("📊 Estado de comisiones de **{month}** para nómina: personas con movimientos: {kams}; neto a pagar **{net}**. "
              "El archivo tiene una hoja por KAM y una de totales.")
# log line (operators read the log in Spanish too)
MONTHLY_NO_ADMINS_LOG = (
    "El estado de comisiones de {month} espera: nadie tiene el rol {role} para recibirlo "
    "(se vuelve a intentar cada hora)."
)
